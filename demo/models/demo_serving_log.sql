-- The team's own view of its prediction log, where its data tests live.
select * from {{ source('ml_monitor', 'predictions') }}
