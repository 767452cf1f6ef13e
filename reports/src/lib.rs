//! QC report documents (acceptance, constancy) and their PDF, CSV and JSON writers.
