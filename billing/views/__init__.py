"""Billing pages, one module per part; billing/urls.py joins their ``urlpatterns``."""
