"""The typed data every stage speaks: records, the page design, findings, character classes."""
