DROP TABLE images;
DROP TABLE task_logs;
DROP TABLE tasks;
DROP TABLE users;
