"""The durable background job queue (`tache`) and its worker."""
