"""PaddleHub module folders: `hub install hubserving/<name>/` copies one into HUB_HOME."""
