//! Micro-benchmarks of the domain operations and of rendering (issue 6): authorize and revoke in
//! groups of 10, 1,000 and 10,000 rules, and a full in-process DescribeSecurityGroupAttribute of
//! 1,000 rules (parameters → JSON bytes). `cargo bench --bench domain`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sgmock::domain::cidr::Ipv6Text;
use sgmock::domain::group::{Namespace, Scope};
use sgmock::domain::rule::{parse_rule, Dialect, Identity, RuleDraft, RuleInput};
use sgmock::domain::store::{Limits, NewGroup, OnDuplicate, OnMissing, State};
use sgmock::domain::values::{Direction, GroupType};

const DIALECT: Dialect = Dialect {
    ipv6_text: Ipv6Text::Compressed,
    require_peer: true,
    group_peers: true,
    description: Some((1, 512)),
    distinct_sides: true,
};

fn draft(i: usize) -> RuleDraft {
    let mut input = RuleInput::new("", Direction::Ingress);
    input.ip_protocol.value = Some("tcp".into());
    input.port_range.value = Some(format!("{p}/{p}", p = 1 + i % 65535));
    input.source.cidr.value = Some(format!("10.{}.{}.0/24", (i / 65535) % 256, (i / 256) % 256));
    parse_rule(&input, &DIALECT).expect("valid rule")
}

/// An empty VPC group of ECS identity in `scope`.
fn vpc_group(s: &mut State, scope: &Scope) -> String {
    s.create_group(
        scope,
        NewGroup {
            name: String::new(),
            description: String::new(),
            kind: GroupType::Normal,
            vpc_id: Some("vpc-1".into()),
            resource_group_id: String::new(),
            tags: Vec::new(),
            identity: Identity::WithoutPriority,
        },
    )
    .expect("group")
}

fn state_with(rules: usize) -> (State, Scope, String) {
    let mut s = State::new(
        Limits {
            rules_per_group: 1_000_000,
            ..Limits::default()
        },
        Some(1),
    );
    let scope = Scope {
        account: "bench".into(),
        namespace: Namespace::Region("cn-hangzhou".into()),
    };
    let id = vpc_group(&mut s, &scope);
    let drafts: Vec<RuleDraft> = (0..rules).map(draft).collect();
    for chunk in drafts.chunks(100) {
        s.authorize(&scope, &id, chunk, OnDuplicate::Ignore)
            .expect("authorize");
    }
    (s, scope, id)
}

fn domain(c: &mut Criterion) {
    let mut g = c.benchmark_group("authorize+revoke one rule");
    for n in [10usize, 1_000, 10_000] {
        let (mut s, scope, id) = state_with(n);
        let extra = [draft(n + 1)];
        g.bench_function(format!("{n} rules"), |b| {
            b.iter(|| {
                s.authorize(&scope, &id, black_box(&extra), OnDuplicate::Ignore)
                    .expect("authorize");
                s.revoke_matching(&scope, &id, black_box(&extra), OnMissing::Ignore)
                    .expect("revoke");
            })
        });
    }
    g.finish();
    c.bench_function("parse one rule", |b| {
        b.iter(|| black_box(draft(black_box(1234))))
    });
}

fn rendering(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = sgmock::Config {
        rule_limit: 2000,
        ..Default::default()
    };
    let router = sgmock::router(Arc::new(sgmock::App::new(config).expect("app")));
    let call = |q: String| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let req =
                axum::http::Request::get(format!("/?Version=2014-05-26&RegionId=cn-hangzhou&{q}"))
                    .body(axum::body::Body::empty())
                    .expect("request");
            let resp = router.oneshot(req).await.expect("response");
            axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("body")
        }
    };
    let body = rt.block_on(call("Action=CreateSecurityGroup&VpcId=vpc-1".into()));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let sg = v["SecurityGroupId"].as_str().expect("id").to_string();
    rt.block_on(async {
        for chunk in 0..10 {
            let mut q = format!("Action=AuthorizeSecurityGroup&SecurityGroupId={sg}");
            for i in 1..=100 {
                let p = chunk * 100 + i;
                q.push_str(&format!(
                    "&Permissions.{i}.IpProtocol=tcp&Permissions.{i}.PortRange={p}/{p}&Permissions.{i}.SourceCidrIp=10.0.0.0/8"
                ));
            }
            call(q).await;
        }
    });
    c.bench_function("describe 1000 rules (in process, to JSON bytes)", |b| {
        b.iter_batched(
            || format!("Action=DescribeSecurityGroupAttribute&SecurityGroupId={sg}"),
            |q| rt.block_on(call(q)),
            BatchSize::SmallInput,
        )
    });
}

/// The verdict over one interface's 5 groups × 200 rules (issue 16: tests may ask in loops).
fn verdicts(c: &mut Criterion) {
    use sgmock::domain::verdict::{verdict, Defaults, Packet, PacketPeer};
    let mut s = State::new(Limits::default(), Some(1));
    let scope = Scope {
        account: "bench".into(),
        namespace: Namespace::Region("cn-hangzhou".into()),
    };
    let mut ids = Vec::new();
    for g in 0..5usize {
        let id = vpc_group(&mut s, &scope);
        let rules: Vec<RuleDraft> = (0..200).map(|i| draft(g * 1000 + i)).collect();
        for chunk in rules.chunks(100) {
            s.authorize(&scope, &id, chunk, OnDuplicate::Ignore)
                .expect("authorize");
        }
        ids.push(id);
    }
    let groups: Vec<_> = ids
        .iter()
        .map(|id| s.group(&scope, id).expect("group"))
        .collect();
    let packet = Packet {
        direction: Direction::Ingress,
        protocol: sgmock::domain::values::IpProtocol::Tcp,
        port: Some(4242),
        source_port: None,
        peer: PacketPeer::Ip("10.7.1.9".parse().expect("ip")),
        nic: None,
    };
    c.bench_function("verdict: 5 groups x 200 rules", |b| {
        b.iter(|| {
            black_box(
                verdict(
                    &s,
                    black_box(&groups),
                    black_box(&packet),
                    Defaults::ByGroupType,
                )
                .expect("verdict")
                .policy,
            )
        })
    });
}

criterion_group!(benches, domain, rendering, verdicts);
criterion_main!(benches);
