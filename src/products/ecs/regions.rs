//! DescribeRegions and the region list every other ECS action checks `RegionId` against.

use serde_json::{json, Value};

use super::super::{body, Ctx, Failure, Reply};

/// (RegionId, Chinese name, English name) — public Alibaba Cloud ECS regions.
const REGIONS: &[(&str, &str, &str)] = &[
    ("cn-qingdao", "华北1（青岛）", "China (Qingdao)"),
    ("cn-beijing", "华北2（北京）", "China (Beijing)"),
    ("cn-zhangjiakou", "华北3（张家口）", "China (Zhangjiakou)"),
    ("cn-huhehaote", "华北5（呼和浩特）", "China (Hohhot)"),
    ("cn-wulanchabu", "华北6（乌兰察布）", "China (Ulanqab)"),
    ("cn-hangzhou", "华东1（杭州）", "China (Hangzhou)"),
    ("cn-shanghai", "华东2（上海）", "China (Shanghai)"),
    (
        "cn-nanjing",
        "华东5（南京-本地地域）",
        "China (Nanjing - Local Region)",
    ),
    (
        "cn-fuzhou",
        "华东6（福州-本地地域）",
        "China (Fuzhou - Local Region)",
    ),
    ("cn-shenzhen", "华南1（深圳）", "China (Shenzhen)"),
    ("cn-heyuan", "华南2（河源）", "China (Heyuan)"),
    ("cn-guangzhou", "华南3（广州）", "China (Guangzhou)"),
    ("cn-chengdu", "西南1（成都）", "China (Chengdu)"),
    (
        "cn-wuhan-lr",
        "华中1（武汉-本地地域）",
        "China (Wuhan - Local Region)",
    ),
    ("cn-hongkong", "中国香港", "China (Hong Kong)"),
    ("ap-northeast-1", "日本（东京）", "Japan (Tokyo)"),
    ("ap-northeast-2", "韩国（首尔）", "South Korea (Seoul)"),
    ("ap-southeast-1", "新加坡", "Singapore"),
    (
        "ap-southeast-3",
        "马来西亚（吉隆坡）",
        "Malaysia (Kuala Lumpur)",
    ),
    (
        "ap-southeast-5",
        "印度尼西亚（雅加达）",
        "Indonesia (Jakarta)",
    ),
    ("ap-southeast-6", "菲律宾（马尼拉）", "Philippines (Manila)"),
    ("ap-southeast-7", "泰国（曼谷）", "Thailand (Bangkok)"),
    ("us-east-1", "美国（弗吉尼亚）", "US (Virginia)"),
    ("us-west-1", "美国（硅谷）", "US (Silicon Valley)"),
    ("na-south-1", "墨西哥", "Mexico"),
    ("eu-west-1", "英国（伦敦）", "UK (London)"),
    ("eu-central-1", "德国（法兰克福）", "Germany (Frankfurt)"),
    ("me-east-1", "阿联酋（迪拜）", "UAE (Dubai)"),
    (
        "me-central-1",
        "沙特（利雅得）",
        "SAU (Riyadh - Partner Region)",
    ),
];

pub fn is_known(region: &str) -> bool {
    REGIONS.iter().any(|(id, _, _)| *id == region)
}

/// The region ids sgmock serves, in DescribeRegions order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|(id, _, _)| *id)
}

/// DescribeRegions: no RegionId needed; `AcceptLanguage` picks the `LocalName` language
/// (`zh-CN` default, `en-US`, `ja`; docs/reference/ecs.md §1.13).
pub fn describe_regions(ctx: &Ctx) -> Result<Reply, Failure> {
    let english = match ctx.params.present("AcceptLanguage") {
        None | Some("zh-CN") => false,
        Some("en-US") | Some("ja") => true,
        Some(_) => {
            return Err(Failure::BadValue {
                name: "AcceptLanguage".into(),
                hint: "Valid values: zh-CN, en-US, ja.",
            })
        }
    };
    let regions: Vec<Value> = REGIONS
        .iter()
        .map(|(id, zh, en)| {
            json!({
                "RegionId": id,
                "LocalName": if english { en } else { zh },
                "RegionEndpoint": format!("ecs.{id}.aliyuncs.com"),
                "Status": "available",
            })
        })
        .collect();
    Ok(body([("Regions", json!({ "Region": regions }))]))
}
