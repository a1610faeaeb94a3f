"""What is on disk: the project folder, its codebook, cases and documents."""
