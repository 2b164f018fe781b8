// libpq bindings.
