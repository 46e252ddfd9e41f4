"""Sources of documents: the sources file (`config`, pure), reading a source's files (`files`) and
fetching a git source's working copy (`git`, imported by the callers that fetch)."""
from archive.sources.config import (DEFAULT_EXCLUDE, NOTES_EXTENSIONS, SOURCE_KINDS, Source, SourceConfigError,
                                    load_sources, parse_sources, source_hints)
from archive.sources.files import (DocumentInput, counted_hints, documents_under, list_catalogue, list_documents,
                                   read_document, read_documents, require_document)

__all__ = ["DEFAULT_EXCLUDE", "NOTES_EXTENSIONS", "SOURCE_KINDS", "DocumentInput", "Source", "SourceConfigError",
           "counted_hints", "documents_under", "list_catalogue", "list_documents", "load_sources", "parse_sources",
           "read_document", "read_documents", "require_document", "source_hints"]
