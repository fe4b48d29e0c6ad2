"""The console's frame: base template and CSS, home page, sign-in and sign-out."""
