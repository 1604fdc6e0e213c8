from django.dispatch import Signal

# Sent after the transaction that completed an enrollment commits; ``enrollment_id`` is its pk.
# The certificates app listens to issue the certificate.
enrollment_completed = Signal()
