"""`hostolink postman`: the Postman collection and environment of docs/postman/, built by
`builder` from the OpenAPI document and the flows described as data in `flows/`."""
