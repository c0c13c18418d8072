"""What is stored about one learner, read back: their answers a page at a time (a service reconciling
what it posted) and the whole record as one export (a learner's data-access request)."""
