"""Export my data (loi n° 2013-450, ARTCI): a request, a job that builds a private ZIP
archive (JSON + CSV), signed expiring download links, erased by the retention job."""
