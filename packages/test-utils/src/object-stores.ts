// Object stores on 127.0.0.1 for tests: Ceph RGW and in-process s3rver.
export {};
