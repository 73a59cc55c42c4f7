"""Delete my account (issue 24; README « Supprimer mon compte »): refused while money is held
or owed, otherwise the person is anonymised, their wallet closed (never deleted), their
sessions ended, their public content removed, their identity documents kept for the legal
period then erased by the retention job."""
