"""From parsed documents to archive talks (pure): ids and days, tags, links to the catalogue."""
