-- 0005_levels: drops the level counts; counts.equal keeps their sum.
DROP TABLE equivalent_counts;
ALTER TABLE counts DROP COLUMN equivalent;
ALTER TABLE counts DROP COLUMN identical;
