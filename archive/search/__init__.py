"""Full-text search, hand-rolled: one text analysis for the index and the queries, BM25F impacts
computed when a talk is written, query parsing, ranking over bounded posting slices, snippets."""
