"""The health directory: establishments (near me, search, lists, detail), the national
emergency numbers, the seed from open data, and establishment accounts (managers, experts,
merchant wallet)."""
