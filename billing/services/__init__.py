"""Billing writes, one module per part: quotes, notices (and invoices), ledger."""
