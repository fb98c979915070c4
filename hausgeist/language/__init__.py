"""German (and English) understanding: template grammar, compiler, matcher and normalizers."""
