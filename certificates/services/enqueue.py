from portal.enqueue import enqueue

__all__ = ["enqueue"]
