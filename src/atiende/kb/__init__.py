"""Articles, categories, revisions, translations, search, self-service deflection and bot answers."""
