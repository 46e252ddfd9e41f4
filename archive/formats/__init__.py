"""Pure encoders and decoders of outside formats: the notes HTML allow-list, Atom, iCalendar,
signed cursors and the JSON form of talks. Values in, bytes or strings out; no I/O."""
