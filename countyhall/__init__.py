"""countyhall: a county government's published policies made executable."""
