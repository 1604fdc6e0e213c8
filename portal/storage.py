"""The local file storage, writing whole files or none.

Django's FileSystemStorage writes straight into the file's final name, so a write that fails half
way (the disk full, ENOSPC) leaves a partial file under a name a reader could take for a PDF. Here
the bytes go to a hidden temporary file in the same directory first, which is linked under its
final name only once complete; a failed write removes it and raises. The link, like Django's
O_EXCL open, never replaces an existing file: two writers of one name get two names.
"""

import contextlib
import os
import tempfile

from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):  # already a whole file on disk: moved
            return super()._save(name, content)
        directory = os.path.dirname(self.path(name))
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            while True:
                full_path = self.path(name)
                try:
                    os.link(partial, full_path)
                except FileExistsError:
                    name = self.get_available_name(name)
                else:
                    break
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
