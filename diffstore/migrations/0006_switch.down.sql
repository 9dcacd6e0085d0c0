-- 0004_switch: drops everything 0004_switch.up.sql created.
DROP TABLE switch_forwards;
DROP TABLE switch_partitions;
