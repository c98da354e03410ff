"""Readers for input types other than plain text: each turns a file's bytes into the report's text.

One module per type, each with one entry point `extract(...) -> str`; `pipeline.stages.ingest`
chooses among them by file suffix. The text they return is what the pipeline sees and what every
offset in the output points into, so it is written beside the output (`NAME.extracted.txt`) and
carried in the report JSON's `text`.
"""
