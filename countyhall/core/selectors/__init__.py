"""Read selectors of the core. Every read of personal data goes through the scoping functions here."""
