"""The data-quality page's sections: run header, scorecard, trend, rules, duplicates, silos."""
