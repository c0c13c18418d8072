// A later migration dropping the first one's index, and a data statement that creates nothing.
DROP INDEX a_index IF EXISTS;
MATCH (n:A) WHERE n.y IS NULL
CALL (n) {
  SET n.y = 0
} IN TRANSACTIONS OF 10 ROWS;
