"""The directory's seed from open data: the WHO/KEMRI and healthsites.io (OpenStreetMap)
files of Côte d'Ivoire, shipped as package data in `hostolink/data/sante/`, read
(`dataset`), their phone numbers moved to the 10-digit plan (`phones`), the rows naming
the same place merged (`matching`), and the establishments written to the database by
`hostolink seed` (`seed`). Everything but `seed` is pure Python, without a database."""
