"""Read and check an uploaded roster (名单) spreadsheet: plain functions, no database.

``read_roster`` judges the file by its content (xlsx, xls or ods), refuses what is unsafe or
unreadable with a Chinese sentence (``RosterFileError.message``) and returns the rows of the first
worksheet; ``clean_rows`` checks every cell and reports all problems at once (``clean_each`` does
it row by row, for a caller that writes each person while the next are checked). Checks that need
the database (the programs on the receipt, headcounts, people already enrolled) are the caller's.

calamine expands a sheet into a dense grid as large as its farthest cell, and when Rust cannot
allocate it aborts the whole process: a 5 KB xlsx with cells at A1 and XFD1048576 would kill the
worker. So before calamine sees a file, the ``_guard_*`` functions bound the grids it would build,
from the raw parts and in bounded memory, and refuse the file when they would be too large.

The parts: ``columns`` (the columns, limits, messages and the values passed around), ``reading``
(``read_roster``), ``guards`` (the checks before calamine), ``cleaning`` (``clean_rows``) and
``workbooks`` (``build_template``, ``error_workbook``). A limit is read by the part that applies
it: patch it there (``reading.MAX_ROWS``, ``guards.MAX_GRID_CELLS``), not on this package.
"""

from enrollment.rosters.cleaning import clean_each, clean_rows
from enrollment.rosters.columns import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_LENGTHS,
    MAX_ROWS,
    MB,
    TEMPLATE_EXAMPLE_ID,
    TEMPLATE_EXAMPLE_NAME,
    CellError,
    CleanPerson,
    Column,
    RosterFileError,
    RosterMessage,
    RosterRow,
)
from enrollment.rosters.reading import read_roster
from enrollment.rosters.workbooks import ERROR_FILL, build_template, error_workbook

__all__ = [
    "COLUMNS",
    "ERROR_FILL",
    "MAX_FILE_BYTES",
    "MAX_LENGTHS",
    "MAX_ROWS",
    "MB",
    "TEMPLATE_EXAMPLE_ID",
    "TEMPLATE_EXAMPLE_NAME",
    "CellError",
    "CleanPerson",
    "Column",
    "RosterFileError",
    "RosterMessage",
    "RosterRow",
    "build_template",
    "clean_each",
    "clean_rows",
    "error_workbook",
    "read_roster",
]
