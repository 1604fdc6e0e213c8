"""The load benchmark's pieces (`make bench-load`): settings, the world it runs on, the locustfile."""
