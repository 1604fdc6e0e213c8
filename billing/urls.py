"""The billing pages: each part's views module has its own ``urlpatterns``, joined here."""

from billing.views import invoices, notices  # notice+invoices
from billing.views.ledger import urlpatterns as ledger_urls  # ledger
from billing.views.quotes import urlpatterns as quote_urls  # quotes

app_name = "billing"

urlpatterns: list = []  # each part adds its own line below
urlpatterns += notices.urlpatterns + invoices.urlpatterns  # notice+invoices
urlpatterns += ledger_urls  # ledger
urlpatterns += quote_urls  # quotes
