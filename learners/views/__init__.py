"""The learner's pages (and the coordinator's views of her study), one module per part."""
