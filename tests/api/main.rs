//! In-process API tests: one binary, the router called directly, whole bodies compared with the
//! RequestId redacted. Each test names the documented fact it checks.

mod admin;
mod auth;
mod concurrency;
mod durability;
mod ecs_groups;
mod ecs_modify_seed;
mod ecs_revoke_seed;
mod ecs_rules;
mod ecs_vs_ens;
mod ens;
mod evaluate;
mod instances;
mod lists;
mod persistence;
mod robustness;
mod support;
mod tags;
mod terraform;
mod wire;
