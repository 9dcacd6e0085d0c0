-- 0006_switch: drops everything 0006_switch.up.sql created.
DROP TABLE switch_forwards;
DROP TABLE switch_partitions;
