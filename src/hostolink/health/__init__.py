"""The health directory: establishments (near me, search, lists, detail, edits, opening
hours) and the national emergency numbers. The seed from open data is in `opendata/`;
establishment accounts (managers, experts, merchant wallet) are the `establishments`
package."""
