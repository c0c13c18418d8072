"""Classes of learners: rosters the learning platform sends, and the scope of a teacher's key."""
