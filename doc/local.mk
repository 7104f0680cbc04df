# doc/: man pages and documents
