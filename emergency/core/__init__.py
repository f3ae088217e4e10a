"""The engine's foundations: the clock, refusals and the words they are said in, input checking, numbers,
spreadsheets, the keyed chains, the incident's snapshot model, today's names of bodies, and the pure text and file
layouts. Imports nothing of the engine above it."""
