"""Write services of the canteen system; each audits in its own transaction."""
