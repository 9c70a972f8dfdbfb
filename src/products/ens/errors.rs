//! The ENS error table. Every documented ENS error is HTTP 400, not-found included (the two ENS seed
//! pages; docs/reference/ens.md §2.9, §5 #3). Codes follow the seeds: `MissingParameter`, `InvalidParameter`,
//! `InvalidParameter.<Field>`, `InvalidSecurityGroupId.NotFound`, `SecurityGroupRuleConflict.Duplicated`,
//! `SecurityGroupRule.NotFound`, `AuthorizationLimitExceed`.

use crate::domain::values::Problem;
use crate::domain::{Attr, DomainError, Side};
use crate::products::{Action, Failure};
use crate::rpc::{ErrorInfo, ParamError};

fn e(code: &str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(400, code, message)
}

fn missing(name: &str) -> ErrorInfo {
    e(
        "MissingParameter",
        format!("The input parameter {name} that is mandatory for processing this request is not supplied."),
    )
}

/// `InvalidParameter.%s` "The specified field %s invalid. Please check it again." (seed).
fn field(code_field: &str, name: &str) -> ErrorInfo {
    e(
        &format!("InvalidParameter.{code_field}"),
        format!("The specified field {name} invalid. Please check it again."),
    )
}

/// `InvalidParameter` "The errorMessage is %s. Please check it again." (seed).
fn general(detail: impl std::fmt::Display) -> ErrorInfo {
    e(
        "InvalidParameter",
        format!("The errorMessage is {detail}. Please check it again."),
    )
}

pub fn describe(action: Action, f: &Failure) -> ErrorInfo {
    match f {
        Failure::Param(p) => match p {
            ParamError::Missing { name } => missing(name),
            ParamError::Invalid { name, expected } => general(format!("{name} must be {expected}")),
            ParamError::Repeated { name } => general(format!(
                "{name} is specified more than once with different values"
            )),
            ParamError::BadIndex { name } => general(format!(
                "{name} has a list index that is not an integer from 1"
            )),
            ParamError::TooMany { name, max } => {
                general(format!("{name} holds more than {max} items"))
            }
        },
        Failure::Domain(d) => domain(action, d),
        Failure::BadValue { name, .. } => field(name, name),
        Failure::BadNextToken => field("NextToken", "NextToken"),
        Failure::PagingMixed => {
            general("MaxResults/NextToken cannot be combined with PageNumber/PageSize")
        }
        Failure::Conflict if action.is_membership() => {
            general("InstanceId and NetworkInterfaceId cannot be given together")
        }
        Failure::Conflict => general("Permissions cannot be combined with other rule parameters"),
        Failure::DryRun | Failure::UnknownRegion(_) | Failure::ResourceNotFound(_) => {
            general("an unsupported parameter")
        }
    }
}

fn invalid(attr: Attr, name: &str, problem: Problem) -> ErrorInfo {
    if problem == Problem::Missing {
        return missing(name);
    }
    match attr {
        Attr::PortRange => e(
            "InvalidParameter.PortRange",
            format!("The parameter {name} is not valid."),
        ),
        Attr::SourceCidrIp | Attr::DestCidrIp | Attr::Ipv6SourceCidrIp | Attr::Ipv6DestCidrIp => e(
            "InvalidParameter.CidrIp",
            format!("The parameter {name} is not valid."),
        ),
        Attr::IpProtocol => field("IpProtocol", name),
        Attr::SourcePortRange => field("SourcePortRange", name),
        Attr::Policy => field("Policy", name),
        Attr::Priority => field("Priority", name),
        Attr::Direction => field("Direction", name),
        Attr::NicType => field("NicType", name),
        Attr::RuleDescription | Attr::GroupDescription => field("Description", name),
        Attr::GroupName => field("SecurityGroupName", name),
        Attr::SecurityGroupId => field("SecurityGroupId", name),
        // Parameters ENS does not have (its rules and groups never carry them).
        Attr::GroupType
        | Attr::ListName
        | Attr::ListDescription
        | Attr::EntryDescription
        | Attr::MaxEntries
        | Attr::AddressFamily
        | Attr::InnerAccessPolicy
        | Attr::TagKey
        | Attr::TagValue
        | Attr::ClientToken
        | Attr::VpcId => general(format!("{name} is not valid")),
    }
}

fn domain(action: Action, d: &DomainError) -> ErrorInfo {
    let removing = action == Action::DeleteSecurityGroupPermissions || action.is_revoke();
    match d {
        DomainError::Invalid { attr, field: name, problem } => invalid(*attr, name, *problem),
        DomainError::BothFamilies { side: Side::Source, .. } => e(
            "InvalidParameter.SourceIpConflict",
            "The Parameters SourceCidrIp and Ipv6SourceCidrIp cannot be set at the same time.",
        ),
        DomainError::BothFamilies { side: Side::Dest, .. } => e(
            "InvalidParameter.DestIpConflict",
            "The Parameters DestCidrIp and Ipv6DestCidrIp cannot be set at the same time.",
        ),
        DomainError::MixedFamilies { at } => e(
            "InvalidParameter.CidrIp",
            format!("The parameter CidrIp is not valid: IPv4 and IPv6 blocks cannot be mixed in {}.", if at.is_empty() { "one rule" } else { at }),
        ),
        DomainError::V4ProtocolWithV6 { .. } => e(
            "InvalidParameter.Ipv4ProtocolConflictWithIpv6Address",
            "IPv6 address cannot be specified for IPv4-specific protocol.",
        ),
        DomainError::V6ProtocolWithV4 { .. } => e(
            "InvalidParameter.Ipv6ProtocolConflictWithIpv4Address",
            "IPv4 address cannot be specified for IPv6-specific protocol.",
        ),
        DomainError::MissingPeer { side, .. } => missing(match side {
            Side::Source => "SourceCidrIp",
            Side::Dest => "DestCidrIp",
        }),
        DomainError::GroupNotFound { id } => e(
            "InvalidSecurityGroupId.NotFound",
            format!("The specified SecurityGroupId does not exist: {id}."),
        ),
        DomainError::RuleExists => e("SecurityGroupRuleConflict.Duplicated", "The SecurityGroup rule already exists."),
        DomainError::DuplicateInRequest if removing => general("Permissions contains the same rule twice"),
        DomainError::DuplicateInRequest => e(
            "SecurityGroupRuleConflict.Duplicated",
            "The SecurityGroup rule already exists: Permissions contains the same rule twice.",
        ),
        DomainError::RuleNotFound => e("SecurityGroupRule.NotFound", "The input security group rule does not exist."),
        DomainError::RuleLimit { limit } => e(
            "AuthorizationLimitExceed",
            format!("The limit of authorization records in the security group reaches: at most {limit} rules."),
        ),
        DomainError::GroupQuota { limit } => e(
            "QuotaExceed.SecurityGroup",
            format!("The maximum number of security groups is reached: {limit}."),
        ),
        // The cause (a file path, an OS error) is logged, never answered.
        DomainError::Storage(_) => ErrorInfo::new(500, "InternalError", "The request processing has failed due to some unknown error."),
        // Instances in groups (docs/reference/membership.md §4, §5): every error is a 400.
        DomainError::HasMembers => e("DependencyViolation", "There is still instance(s) in the specified security group."),
        DomainError::InstanceNotFound { .. } => field("InstanceId", "InstanceId"),
        DomainError::NicNotFound { .. } => field("NetworkInterfaceId", "NetworkInterfaceId"),
        DomainError::IncorrectInstanceStatus => e("IncorrectInstanceStatus", "The current status of the resource does not support this operation."),
        DomainError::SameSourceAndDest { at } => general(format!(
            "the source and destination CIDR blocks are the same{}",
            if at.is_empty() { String::new() } else { format!(" in {at}") }
        )),
        // None of these can arise from ENS input: it has no group or prefix-list peers, port-range
        // lists, rule ids, modify, enterprise groups, tags or ClientTokens. Should one ever reach
        // here, it is still a 400 that names no internal type.
        DomainError::ClassicPrefixList
        | DomainError::GroupPeerNicType { .. }
        | DomainError::PeerGroupNotFound { .. }
        | DomainError::PeerGroupOtherVpc { .. }
        | DomainError::PeerNetworkType
        | DomainError::SelfReference { .. }
        | DomainError::PrefixListNotFound { .. }
        | DomainError::ProtocolNotSupportPortRangeList
        | DomainError::PortRangeListNotFound { .. }
        | DomainError::GroupPeerLimit { .. }
        | DomainError::EnterpriseDrop
        | DomainError::EnterpriseGroupPeer
        | DomainError::RuleIdMalformed { .. }
        | DomainError::RuleIdNotFound { .. }
        | DomainError::RuleIdRepeated { .. }
        | DomainError::ModifyPeerKind
        | DomainError::ModifyNicType
        | DomainError::ModifyClear { .. }
        | DomainError::ModifyDuplicate
        | DomainError::Referenced
        | DomainError::EnterpriseNeedsVpc
        | DomainError::EnterprisePolicyFixed
        | DomainError::TagLimit { .. }
        | DomainError::DuplicateTagKey
        | DomainError::TokenMismatch
        // ENS membership is lenient: no network, type, limit, re-join or last-group checks.
        | DomainError::MemberVpcMismatch { .. }
        | DomainError::AlreadyMember
        | DomainError::MultiGroupType
        | DomainError::GroupsPerNic { .. }
        | DomainError::GroupFull { .. }
        | DomainError::NotMember { .. }
        | DomainError::LastGroup { .. }
        // ENS has no prefix lists or port range lists.
        | DomainError::ListEntryMalformed { .. }
        | DomainError::ListEntryDuplicated { .. }
        | DomainError::ListEntryMissing { .. }
        | DomainError::ListFull { .. }
        | DomainError::ListEntriesPerCall { .. }
        | DomainError::ListQuota { .. }
        | DomainError::ListInUse { .. }
        | DomainError::ClassicPortRangeList
        | DomainError::PrefixListFamily
        | DomainError::ProtocolListFamily
        | DomainError::ModifyPortRangeType
        | DomainError::ListAssociations { .. } => general("a parameter ENS does not support"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ENS answers every error with HTTP 400 (docs/reference/ens.md §2.9), and no answer shows an
    /// internal type's name (the table is exhaustive; nothing is formatted with `Debug`).
    #[test]
    fn errors_ens_input_cannot_cause_are_still_plain_400s() {
        let info = describe(
            Action::CreateSecurityGroupPermissions,
            &Failure::Domain(DomainError::ModifyPeerKind),
        );
        assert_eq!(
            (info.status, info.code.as_str(), info.message.as_str()),
            (
                400,
                "InvalidParameter",
                "The errorMessage is a parameter ENS does not support. Please check it again."
            )
        );
        let info = describe(
            Action::CreateSecurityGroup,
            &Failure::Domain(DomainError::invalid(
                Attr::VpcId,
                "VpcId",
                Problem::Malformed,
            )),
        );
        assert_eq!(
            info.message,
            "The errorMessage is VpcId is not valid. Please check it again."
        );
        let info = describe(
            Action::CreateSecurityGroupPermissions,
            &Failure::Domain(DomainError::SameSourceAndDest {
                at: "Permissions.1".into(),
            }),
        );
        assert_eq!(info.status, 400);
        assert!(
            !info.message.contains("SameSourceAndDest"),
            "{}",
            info.message
        );
    }
}
