"""Workshop sites (Standorte): every user and employer may belong to one."""
