-- A rebuild drops the read indexes of the tables it empties (those that only speed up
-- reads: no primary key, no unique index) and builds them once at the end, from sorted
-- rows, instead of inserting every row into them as it goes (the French full-text GIN
-- index above all). Their definitions wait here, written in the transaction that drops
-- them, so a rebuild that dies half-way leaves them to the next projector to build.
CREATE TABLE projection_deferred_indexes (
    projection text NOT NULL,
    index_name text NOT NULL,
    definition text NOT NULL,
    PRIMARY KEY (projection, index_name)
);
