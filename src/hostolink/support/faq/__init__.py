"""The FAQ of the help screen: public, searchable in French (accents and typos tolerated),
managed in the back-office with `aide:gerer`."""
