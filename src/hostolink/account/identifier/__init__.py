"""Change my phone number or e-mail address: PIN and a code sent to the new identifier."""
