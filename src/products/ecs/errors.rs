//! The ECS error table: each failure to its documented `(HTTP status, Code, Message)`.
//!
//! Sources: the three ECS seed pages (the spec for RevokeSecurityGroup, RevokeSecurityGroupEgress and
//! ModifySecurityGroupEgressRule; docs/reference/pages.md) and docs/reference/ecs.md for the other
//! actions. Where an action's
//! own page documents a different code for the same failure, the action decides (`action` below).

use crate::domain::lists::ListKind;
use crate::domain::values::Problem;
use crate::domain::{Attr, DomainError, Side};
use crate::products::{Action, Failure};
use crate::rpc::{ErrorInfo, ParamError};

fn e(status: u16, code: &str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(status, code, message)
}

/// "in Permissions.2" or nothing, for the `%s` of the documented messages.
fn in_at(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" in {at}")
    }
}

pub fn describe(action: Action, f: &Failure) -> ErrorInfo {
    match f {
        Failure::Param(p) => param(action, p),
        Failure::Domain(d) => domain(action, d),
        Failure::Conflict if action.is_membership() => e(
            403,
            "InvalidParam.EniIdAndInstanceId.Conflict",
            "The parameters InstanceId and NetworkInterfaceId cannot be specified at the same time.",
        ),
        Failure::Conflict => e(
            400,
            "InvalidParam.Permissions",
            "The specified parameter Permissions cannot coexist with other parameters.",
        ),
        Failure::BadValue { name, hint } => bad_value(name, hint),
        Failure::DryRun => e(400, "DryRunOperation", "Request validation has been passed with DryRun flag set."),
        Failure::BadNextToken => e(400, "InValidParameter.NextToken", "The specified parameter NextToken is not valid."),
        Failure::PagingMixed => e(
            400,
            "NotSupported.PageNumberAndPageSize",
            "The parameters PageNumber and PageSize are currently not supported, please use NextToken and MaxResults instead.",
        ),
        Failure::ResourceNotFound(ids) => e(
            404,
            "InvalidResourceId.NotFound",
            format!("The specified ResourceIds are not found in our records: {ids}."),
        ),
        Failure::UnknownRegion(r) => e(404, "InvalidRegionId.NotFound", format!("The specified RegionId {r} does not exist.")),
    }
}

fn param(action: Action, p: &ParamError) -> ErrorInfo {
    match p {
        ParamError::Missing { name } if name == "RegionId" && action.is_membership() => e(
            400,
            "MissingParameter.RegionId",
            "The specified RegionId should not be null.",
        ),
        ParamError::Missing { name } if name == "RegionId" => {
            // ModifySecurityGroupPolicy's page spells it `MissingParamter` (sic).
            let code = if action == Action::ModifySecurityGroupPolicy {
                "MissingParamter.RegionId"
            } else {
                "MissingParameter.RegionId"
            };
            e(
                400,
                code,
                "The input parameter RegionId that is mandatory for processing this request is not supplied.",
            )
        }
        ParamError::Missing { name } => e(
            400,
            &format!("Missing{name}"),
            format!("{name} is mandatory for this action."),
        ),
        ParamError::Invalid { name, expected } => e(
            400,
            "InvalidParameter",
            format!("The specified parameter {name} is not valid: expected {expected}."),
        ),
        ParamError::Repeated { name } => e(
            400,
            "InvalidParameter",
            format!("The parameter {name} is specified more than once with different values."),
        ),
        ParamError::BadIndex { name } => e(
            400,
            "InvalidParameter",
            format!("The parameter {name} is not valid: list indexes are integers starting at 1."),
        ),
        ParamError::TooMany { name, .. }
            if matches!(name.as_str(), "Entry" | "AddEntry" | "RemoveEntry") =>
        {
            e(
                400,
                "LimitExceed.Entry",
                "The number of entries added or removed exceeds the limit.",
            )
        }
        ParamError::TooMany { name, max } if name == "Tag" => e(
            403,
            "QuotaExceed.Tags",
            format!("The maximum number of tags is reached: at most {max} tags."),
        ),
        ParamError::TooMany { name, max } => e(
            400,
            "InvalidParameter",
            format!("The parameter {name}.N accepts at most {max} items."),
        ),
    }
}

fn bad_value(name: &str, hint: &str) -> ErrorInfo {
    let msg = format!("The specified parameter {name} is not valid. {hint}");
    match name {
        "SecurityGroupType" => e(400, "InvalidParameter.SecurityGroupType", msg),
        "SecurityGroupIds" | "SecurityGroupId" => e(400, "InvalidSecurityGroupId.Malformed", msg),
        // DescribeSecurityGroupAttribute documents `InvalidParamter` (sic) "Invalid Parameter.".
        "Direction" => e(400, "InvalidParamter", msg),
        "Attribute" => e(400, "InvalidParameter.AttributeNotSupported", msg),
        "AcceptLanguage" => e(404, "InvalidAcceptLanguage.NotFound", msg),
        "PrefixListId" => e(
            400,
            "LimitExceed.PrefixListId",
            "The specified number of PrefixListId exceeds the limit.",
        ),
        "PortRangeListId" => e(
            400,
            "LimitExceed.PortRangeListId",
            "The specified number of PortRangeListId exceeds the limit.",
        ),
        "ResourceType" => e(400, "InvalidResourceType.NotFound", msg),
        _ => e(400, "InvalidParameter", msg),
    }
}

fn invalid(action: Action, attr: Attr, field: &str, problem: Problem) -> ErrorInfo {
    let not_valid = format!("The specified parameter {field} is not valid.");
    let ports = action.on_port_range_lists();
    match attr {
        // Lists (docs/reference/lists.md §1, §2): the two kinds document different codes.
        Attr::ListName if ports => e(400, "InvalidParameter.PortRangeListName", "The specified parameter PortRangeListName is not valid."),
        Attr::ListName => e(400, "InvalidParameter.PrefixListName", "The parameter PrefixListName is not valid."),
        Attr::ListDescription | Attr::EntryDescription if ports => e(400, "InvalidDescription.Malformed", "The specifid Description is not valid."),
        Attr::ListDescription | Attr::EntryDescription => e(400, "InvalidDescription.Malformed", "The specified Description is wrongly formed."),
        Attr::MaxEntries if ports && problem == Problem::OutOfRange => e(400, "InvalidOperation.MaxEntriesCountExceed", "The specified MaxEntries exceeded the upper limit."),
        Attr::MaxEntries => e(400, "InvalidParameter", "The specified parameter MaxEntries is not valid."),
        Attr::AddressFamily => e(400, "InvalidParameter.AddressFamily", "The parameter AddressFamily should be IPv4 or IPv6."),
        Attr::IpProtocol => e(
            400,
            "InvalidIpProtocol.ValueNotSupported",
            format!("The parameter {field} must be specified with case insensitive TCP, UDP, ICMP, GRE or All."),
        ),
        Attr::PortRange => match problem {
            Problem::Missing => e(400, "InvalidPortRange.Malformed", "The specified parameter PortRange must set."),
            Problem::Malformed if action == Action::ModifySecurityGroupEgressRule => e(
                400,
                "InvalidParam.PortRange",
                format!(
                    "The specified param {field} is not valid. should be integer and less than 65535, range separator is '/'."
                ),
            ),
            // The Chinese RevokeSecurityGroup page lists only InvalidIpPortRange.Malformed for a bad
            // PortRange (docs/reference/pages.md); the egress page has InvalidParam.PortRange too.
            Problem::Malformed if action == Action::RevokeSecurityGroup => {
                e(400, "InvalidIpPortRange.Malformed", not_valid)
            }
            Problem::Malformed => e(
                400,
                "InvalidParam.PortRange",
                format!("{not_valid} It should be two integers less than 65535 in ?/? format."),
            ),
            Problem::ProtocolMismatch if action.is_modify_rule() => e(
                400,
                "InvalidParam.ProtocolAndPortRangeMismatch",
                format!("The specified Protocol and PortRange do not match: {field}."),
            ),
            _ if action.is_revoke() => e(400, "InvalidIpPortRange.Malformed", not_valid),
            _ => e(
                400,
                "InvalidParam.PortRange",
                format!("{not_valid} TCP and UDP take a/b with 1 <= a <= b <= 65535; other protocols take -1/-1."),
            ),
        },
        Attr::SourcePortRange => e(400, "InvalidSourcePortRange.Malformed", not_valid),
        Attr::Policy => e(400, "InvalidPolicy.Malformed", not_valid),
        Attr::Priority if problem == Problem::Malformed => e(400, "InvalidPriority.Malformed", format!("The parameter {field} is invalid.")),
        Attr::Priority => e(
            400,
            "InvalidPriority.ValueNotSupported",
            format!("The specified parameter {field} is invalid: valid values are 1 to 100."),
        ),
        Attr::NicType => e(400, "InvalidNicType.ValueNotSupported", format!("The specified NicType does not exist: {field}.")),
        Attr::RuleDescription => e(
            400,
            "InvalidSecurityGroupDiscription.Malformed",
            format!("The specified security group rule description is not valid: {field} must be 1 to 512 characters, without control characters."),
        ),
        Attr::SourceCidrIp if action == Action::RevokeSecurityGroup => e(400, "InvalidSourceCidrIp.Malformed", not_valid),
        Attr::SourceCidrIp => e(400, "InvalidParam.SourceCidrIp", not_valid),
        Attr::DestCidrIp if action.is_revoke() || action == Action::ModifySecurityGroupEgressRule => {
            e(400, "InvalidDestCidrIp.Malformed", not_valid)
        }
        Attr::DestCidrIp => e(400, "InvalidParam.DestCidrIp", not_valid),
        Attr::Ipv6SourceCidrIp => e(400, "InvalidParam.Ipv6SourceCidrIp", not_valid),
        Attr::Ipv6DestCidrIp => e(400, "InvalidParam.Ipv6DestCidrIp", not_valid),
        Attr::GroupName => e(
            400,
            "InvalidSecurityGroupName.Malformed",
            "The specified parameter SecurityGroupName is not valid: 2 to 128 characters, starting with a letter, \
             letters, digits, colons, underscores, periods and hyphens only, not starting with http:// or https://.",
        ),
        Attr::GroupDescription => {
            let code = if action == Action::CreateSecurityGroup {
                "InvalidDescription.Malformed"
            } else {
                "InvalidSecurityGroupDiscription.Malformed"
            };
            e(
                400,
                code,
                "The specified parameter Description is not valid: 2 to 256 characters, not starting with http:// or https://, without control characters.",
            )
        }
        Attr::GroupType => e(
            400,
            "InvalidParams.GroupType",
            "The specified parameter SecurityGroupType is not valid. Valid values: normal, enterprise.",
        ),
        Attr::InnerAccessPolicy => e(
            400,
            "InvalidPolicy.Malformed",
            "The Policy is invalid. Only 'Accept' and 'Drop' are supported. Ignore case.",
        ),
        Attr::TagKey => e(400, "InvalidTagKey.Malformed", format!("The specified parameter {field} is not valid.")),
        Attr::TagValue => e(400, "InvalidTagValue.Malformed", format!("The specified parameter {field} is not valid.")),
        Attr::ClientToken => e(
            400,
            "InvalidClientToken.ValueNotSupported",
            "The ClientToken must contain only ASCII characters and be at most 64 characters long.",
        ),
        Attr::VpcId => e(404, "InvalidVpcId.NotFound", "Specified VPC does not exist."),
        Attr::SecurityGroupId => e(400, "InvalidSecurityGroupId.Malformed", not_valid),
        Attr::Direction => e(400, "InvalidParameter", not_valid),
    }
}

fn domain(action: Action, d: &DomainError) -> ErrorInfo {
    let side = |s: &Side, source: &'static str, dest: &'static str| -> &'static str {
        match s {
            Side::Source => source,
            Side::Dest => dest,
        }
    };
    match d {
        DomainError::Invalid { attr, field, problem } => invalid(action, *attr, field, *problem),
        DomainError::BothFamilies { side: s, at } => match s {
            Side::Source => e(
                400,
                "InvalidParam.SourceIp",
                format!("The Parameters SourceCidrIp and Ipv6SourceCidrIp{} cannot be set at the same time.", in_at(at)),
            ),
            Side::Dest => e(
                400,
                "InvalidParam.DestIp",
                format!("The Parameters DestCidrIp and Ipv6DestCidrIp{} cannot be set at the same time.", in_at(at)),
            ),
        },
        DomainError::MixedFamilies { .. } => e(400, "InvalidParameter.Conflict", "IPv6 and IPv4 addresses cannot exist at the same time."),
        DomainError::V4ProtocolWithV6 { .. } => e(
            400,
            "InvalidParam.Ipv4ProtocolConflictWithIpv6Address",
            "IPv6 address cannot be specified for IPv4-specific protocol.",
        ),
        DomainError::V6ProtocolWithV4 { .. } => e(
            400,
            "InvalidParam.Ipv6ProtocolConflictWithIpv4Address",
            "IPv4 address cannot be specified for IPv6-specific protocol.",
        ),
        DomainError::SameSourceAndDest { .. } => e(
            400,
            "InvalidParamter.Conflict",
            "The specified SourceCidrIp should be different from the DestCidrIp.",
        ),
        DomainError::MissingPeer { side: s, at } => match s {
            Side::Source => e(
                400,
                "MissingParameter.Source",
                format!(
                    "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId{} must be specified.",
                    in_at(at)
                ),
            ),
            Side::Dest => e(
                400,
                "MissingParameter.Dest",
                format!(
                    "One of the parameters DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId{} must be specified.",
                    in_at(at)
                ),
            ),
        },
        DomainError::ClassicPrefixList => e(
            400,
            "NotSupported.ClassicNetworkPrefixList",
            "The prefix list is not supported when the network type of security group is classic.",
        ),
        DomainError::GroupPeerNicType { side: s } => e(
            403,
            side(s, "InvalidSourceGroupId.Mismatch", "InvalidDestGroupId.Mismatch"),
            "NicType is required or NicType expects intranet.",
        ),
        DomainError::GroupNotFound { id } if action == Action::DeleteSecurityGroup => e(
            404,
            "InvalidSecurityGroup.NotFound",
            format!("The specified security group is not found: {id}."),
        ),
        DomainError::GroupNotFound { id } if action == Action::DescribeSecurityGroupReferences => e(
            404,
            "InvalidSecurityGroupId.NotFound",
            format!("The SecurityGroupId provided does not exist in our records: {id}."),
        ),
        DomainError::GroupNotFound { id } => e(
            404,
            "InvalidSecurityGroupId.NotFound",
            format!("The specified SecurityGroupId does not exist: {id}."),
        ),
        DomainError::PeerGroupNotFound { side: Side::Source, id } => e(
            404,
            "InvalidSourceGroupId.NotFound",
            format!("The SourceGroupId provided does not exist in our records: {id}."),
        ),
        DomainError::PeerGroupNotFound { side: Side::Dest, id } => e(
            404,
            "InvalidDestGroupId.NotFound",
            format!("The DestGroupId provided does not exist in our records: {id}."),
        ),
        DomainError::PeerGroupOtherVpc { side: Side::Source } => e(
            400,
            "InvalidSourceGroupId.Mismatch",
            "Specified security group and source group are not in the same VPC.",
        ),
        DomainError::PeerGroupOtherVpc { side: Side::Dest } => e(
            400,
            "InvalidDestGroupId.Mismatch",
            "Specified security group and destination group are not in the same VPC.",
        ),
        DomainError::PeerNetworkType => e(
            403,
            "InvalidNetworkType.Conflict",
            "The specified SecurityGroup network type should be same with SourceGroup network type (vpc or classic).",
        ),
        DomainError::SelfReference { side: Side::Source } => e(
            // RevokeSecurityGroup's page lists it as 400, the other pages as 403.
            if action == Action::RevokeSecurityGroup { 400 } else { 403 },
            "InvalidParamter.Conflict",
            "The specified SecurityGroupId should be different from the SourceGroupId.",
        ),
        DomainError::SelfReference { side: Side::Dest } => e(
            403,
            "InvalidSecurityGroup.IsSame",
            "The authorized SecurityGroupId should be different from the DestGroupId.",
        ),
        DomainError::PrefixListNotFound { .. } if action.on_prefix_lists() => e(404, "InvalidPrefixListId.NotFound", "The specified prefix list was not found."),
        DomainError::PortRangeListNotFound { .. } if action.on_port_range_lists() => e(400, "InvalidPortRangeListId.NotFound", "The specified port range list was not found."),
        DomainError::PrefixListNotFound { id } => e(
            if action == Action::ModifySecurityGroupEgressRule { 400 } else { 404 },
            "InvalidPrefixListId.NotFound",
            format!("The specified prefix list was not found: {id}."),
        ),
        DomainError::ProtocolNotSupportPortRangeList => e(
            400,
            "InvalidParam.ProtocolNotSupportPortRangeList",
            "The specified protocol does not support the port range list.",
        ),
        DomainError::PortRangeListNotFound { id } => e(
            400,
            "InvalidPortRangeListId.NotFound",
            format!("The specified port range list was not found: {id}."),
        ),
        DomainError::DuplicateInRequest => e(
            400,
            "InvalidParam.DuplicatePermissions",
            "There are duplicate permissions in the specified parameter Permissions.",
        ),
        DomainError::RuleExists | DomainError::ModifyDuplicate => e(
            400,
            "InvalidOperation.RuleDuplicate",
            "The security group rule is the same as another existing rule.",
        ),
        DomainError::RuleLimit { limit } => e(
            if action.is_modify_rule() { 400 } else { 403 },
            "AuthorizationLimitExceed",
            format!("The limit of authorization records in the security group reaches: at most {limit} rules."),
        ),
        DomainError::GroupPeerLimit { limit } => e(
            400,
            "AuthorizedGroupRule.LimitExceed",
            format!(
                "The maximum number of authorization rules for security groups is exceeded. When authorization object of rule is security group, the limit is {limit}."
            ),
        ),
        DomainError::EnterpriseDrop => e(
            400,
            "InvalidGroupParameter.OperationDenied",
            "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security groups are not allowed to be set or modified.",
        ),
        DomainError::EnterpriseGroupPeer => e(
            400,
            "InvalidGroupAuthParameter.OperationDenied",
            "The security group can not authorize to enterprise level security group.",
        ),
        DomainError::RuleIdMalformed { id } => e(
            400,
            "InvalidParam.SecurityGroupRuleId",
            format!("The specified parameter SecurityGroupRuleId is not valid: {id}."),
        ),
        DomainError::RuleIdNotFound { .. } if action == Action::ModifySecurityGroupEgressRule => e(
            404,
            "SecurityGroupRule.NotFound",
            "The target security group rule do not exist or the parameter Priority mismatch.",
        ),
        DomainError::RuleIdNotFound { id } => e(
            404,
            "InvalidSecurityGroupRuleId.NotFound",
            format!("The specified SecurityGroupRuleId is not exists: {id}."),
        ),
        DomainError::RuleIdRepeated { id } => e(
            400,
            "InvalidParam.SecurityGroupRuleIdRepeated",
            format!("The specified parameter SecurityGroupRuleId is repeated: {id}."),
        ),
        DomainError::RuleNotFound => e(
            404,
            "SecurityGroupRule.NotFound",
            "The target security group rule do not exist or the parameter Priority mismatch.",
        ),
        DomainError::ModifyPeerKind => e(
            400,
            "InvalidOperation.ModifySgRuleEntityType",
            "The source or destination type of the rules cannot be modified.",
        ),
        DomainError::ModifyNicType => e(400, "InvalidOperation.ModifyNicType", "NicType is not allowed to modify."),
        DomainError::ModifyClear { name, .. } => e(
            400,
            "InvalidParam.InvalidModifyRuleRequest",
            format!("The request parameters are illegal: {name} has a value and cannot be cleared."),
        ),
        DomainError::Referenced => e(
            403,
            "DependencyViolation",
            "The specified security group has been authorized in another one.",
        ),
        DomainError::GroupQuota { limit } => e(
            403,
            "QuotaExceed.SecurityGroup",
            format!("The maximum number of security groups is reached: {limit}."),
        ),
        DomainError::EnterpriseNeedsVpc => e(
            400,
            "InvalidParams.VpcIdGroupType",
            "Only VPC instance supports enterprise level security group.",
        ),
        DomainError::EnterprisePolicyFixed => e(
            404,
            "InvalidParameter.InnerAccessPolicy",
            "The InnerAccessPolicy attribute of enterprise level security group can't be modified.",
        ),
        DomainError::TagLimit { limit } => e(
            403,
            "QuotaExceed.Tags",
            format!("The maximum number of tags is reached: at most {limit} tags per resource."),
        ),
        DomainError::DuplicateTagKey => e(400, "Duplicate.TagKey", "The Tag.N.Key contain duplicate key."),
        // The cause (a file path, an OS error) is logged, never answered.
        DomainError::Storage(_) => e(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error.",
        ),
        DomainError::TokenMismatch => e(400, "IdempotentParameterMismatch", "The request is retried with updated parameters."),
        // Instances in groups (docs/reference/membership.md §2, §3, §5).
        DomainError::HasMembers => e(403, "DependencyViolation", "There is still instance(s) in the specified security group."),
        DomainError::InstanceNotFound { .. } => e(404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist."),
        DomainError::NicNotFound { id } => e(404, "InvalidEniId.NotFound", format!("The specified NetworkInterfaceId {id} does not exist.")),
        DomainError::IncorrectInstanceStatus => e(403, "IncorrectInstanceStatus", "The current status of the resource does not support this operation."),
        DomainError::MemberVpcMismatch { by_instance: true } => e(400, "InvalidInstanceId.Mismatch", "Specified instance and security group are not in the same VPC."),
        DomainError::MemberVpcMismatch { by_instance: false } => e(403, "InvalidOperation.VpcMismatch", "The specified network interface and security group are not in the same VPC."),
        DomainError::AlreadyMember => e(403, "InvalidInstanceId.AlreadyExists", "The specified instance already exists in the specified security group."),
        DomainError::MultiGroupType => e(400, "InvalidOperation.MultiGroupType", "The specified instance can't join different types of security group."),
        DomainError::GroupsPerNic { .. } => e(400, "InstanceSecurityGroupLimitExceeded", "Exceeding the allowed amount of security groups that an instance can be in."),
        DomainError::GroupFull { enterprise: false, .. } => e(403, "SecurityGroupInstanceLimitExceeded", "The maximum number of instances in a security group is exceeded."),
        DomainError::GroupFull { enterprise: true, .. } => e(403, "InvalidOperation.NetworkInterfaceCountExceeded", "The maximum number of NetworkInterface in a enterprise level security group is exceeded."),
        DomainError::NotMember { member, group } => e(400, "InvalidSecurityGroupAssociation.NotFound", format!("The specified instance or network interface {member} is not associated with the security group {group}.")),
        DomainError::LastGroup { by_instance: true } => e(403, "InstanceLastSecurityGroup", "The specified security group is the last security group for the instance."),
        DomainError::LastGroup { by_instance: false } => e(403, "InvalidOperation.AtLeastInOneGroup", "The specified network interface must stay in at least one security group."),
        // Lists (docs/reference/lists.md).
        DomainError::ListEntryMalformed { kind: ListKind::Prefix, value } => e(400, "InvalidParameter.CidrMalformed", format!("The specified CIDR {value} is not valid.")),
        DomainError::ListEntryMalformed { kind: ListKind::PortRange, .. } => e(400, "InvalidParameter.PortRange", "The specified parameter PortRange is not valid. It should be two integers less than 65535 in specified format."),
        DomainError::ListEntryDuplicated { kind: ListKind::Prefix, value } => e(400, "InvalidParameter.CidrDuplicated", format!("The specified CIDR {value} is duplicated.")),
        DomainError::ListEntryDuplicated { kind: ListKind::PortRange, .. } => e(400, "InvalidParameter.PortRangeDuplicated", "The specified PortRange is duplicated."),
        DomainError::ListEntryMissing { value, .. } => e(400, "InvalidParameter", format!("The specified entry {value} does not exist.")),
        DomainError::ListFull { kind: ListKind::Prefix, .. } => e(400, "LimitExceed.MaxEntries", "The number of entries exceeds the MaxEntries of the specified prefix list."),
        DomainError::ListFull { kind: ListKind::PortRange, on_create: true } => e(400, "InvalidOperation.EntryCountExceedMaxEntries", "The number of entries in the port list exceeds MaxEntries."),
        DomainError::ListFull { kind: ListKind::PortRange, on_create: false } => e(400, "LimitExceed.MaxEntries", "The number of entries exceeds the MaxEntries of the specified PortRangeList."),
        DomainError::ListEntriesPerCall { .. } => e(400, "LimitExceed.Entry", "The number of entries added or removed exceeds the limit."),
        DomainError::ListQuota { kind: ListKind::Prefix, .. } => e(404, "LimitExceed.PrefixListPerRegion", "The number of prefix lists in the region exceeds the limit."),
        DomainError::ListQuota { kind: ListKind::PortRange, .. } => e(400, "InvalidOperation.MaxCountExceed", "The number of port range list in the current account has exceeded quota."),
        DomainError::ListInUse { kind: ListKind::Prefix } => e(400, "NotAllowed.AssociationExist", "The specified prefix list has associated resources."),
        DomainError::ListInUse { kind: ListKind::PortRange } => e(400, "InvalidPortRangeListId.AssociationExist", "The specified port range list has association resources."),
        DomainError::ClassicPortRangeList => e(400, "InvalidSecurityGroup.InvalidNetworkType", "The port range list is not supported when the network type of security group is classic."),
        DomainError::PrefixListFamily if action.is_modify_rule() => e(400, "InvalidParam.PrefixListAddressFamilyMismatch", "The address family of the specified prefix list does not match the rule."),
        DomainError::PrefixListFamily => e(400, "InvalidParam.PrefixListAddressFamilyMismatch", "The address family of the specified prefix list does not match the specified CidrIp."),
        DomainError::ProtocolListFamily => e(400, "InvalidParam.ProtocolAndAddressFamilyMismatch", "The specified protocol does not match the address family of the prefix list."),
        DomainError::ModifyPortRangeType => e(400, "InvalidOperation.ModifyPortRangeType", "The PortRange type is not allowed to be modified. You cannot modify a rule from using the port list to not using it, and vice versa."),
        DomainError::ListAssociations { .. } => e(403, "LimitExceed.PrefixListAssociationResource", "The number of resources associated with the prefix list exceeds the limit."),
    }
}
