"""Identity verification (KYC): documents stored privately, reviewed by administrators,
approval raising the person's KYC tier and so their wallet limits."""
