//! Action names, typed: the one place an `Action` parameter's text meets the code. A product's
//! action table pairs these with handlers, and its error table matches on them (a misspelt action
//! does not compile).

macro_rules! actions {
    ($($name:ident),* $(,)?) => {
        /// Every action of every product (a product's table says which are its own).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($name),*
        }

        impl Action {
            /// The name on the wire: the `Action` parameter, the XML answer's root element.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$name => stringify!($name)),*
                }
            }
        }
    };
}

actions!(
    // Both products.
    CreateSecurityGroup,
    DeleteSecurityGroup,
    DescribeSecurityGroups,
    DescribeSecurityGroupAttribute,
    ModifySecurityGroupAttribute,
    AuthorizeSecurityGroup,
    AuthorizeSecurityGroupEgress,
    RevokeSecurityGroup,
    RevokeSecurityGroupEgress,
    JoinSecurityGroup,
    LeaveSecurityGroup,
    DescribeInstances,
    // ECS.
    ModifySecurityGroupPolicy,
    DescribeSecurityGroupReferences,
    DescribeRegions,
    ModifySecurityGroupRule,
    ModifySecurityGroupEgressRule,
    TagResources,
    UntagResources,
    ListTagResources,
    JoinResourceGroup,
    CreatePrefixList,
    DescribePrefixLists,
    DescribePrefixListAttributes,
    DescribePrefixListAssociations,
    ModifyPrefixList,
    DeletePrefixList,
    CreatePortRangeList,
    DescribePortRangeLists,
    DescribePortRangeListEntries,
    DescribePortRangeListAssociations,
    ModifyPortRangeList,
    DeletePortRangeList,
    // ENS.
    CreateSecurityGroupPermissions,
    DeleteSecurityGroupPermissions,
);

impl Action {
    /// JoinSecurityGroup or LeaveSecurityGroup.
    pub fn is_membership(self) -> bool {
        matches!(self, Action::JoinSecurityGroup | Action::LeaveSecurityGroup)
    }

    /// One of the six port range list actions.
    pub fn on_port_range_lists(self) -> bool {
        matches!(
            self,
            Action::CreatePortRangeList
                | Action::DescribePortRangeLists
                | Action::DescribePortRangeListEntries
                | Action::DescribePortRangeListAssociations
                | Action::ModifyPortRangeList
                | Action::DeletePortRangeList
        )
    }

    /// One of the six prefix list actions.
    pub fn on_prefix_lists(self) -> bool {
        matches!(
            self,
            Action::CreatePrefixList
                | Action::DescribePrefixLists
                | Action::DescribePrefixListAttributes
                | Action::DescribePrefixListAssociations
                | Action::ModifyPrefixList
                | Action::DeletePrefixList
        )
    }

    /// RevokeSecurityGroup or RevokeSecurityGroupEgress.
    pub fn is_revoke(self) -> bool {
        matches!(
            self,
            Action::RevokeSecurityGroup | Action::RevokeSecurityGroupEgress
        )
    }

    /// ModifySecurityGroupRule or ModifySecurityGroupEgressRule.
    pub fn is_modify_rule(self) -> bool {
        matches!(
            self,
            Action::ModifySecurityGroupRule | Action::ModifySecurityGroupEgressRule
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_variants_own() {
        assert_eq!(Action::CreateSecurityGroup.as_str(), "CreateSecurityGroup");
        assert_eq!(
            Action::DeleteSecurityGroupPermissions.to_string(),
            "DeleteSecurityGroupPermissions"
        );
        assert!(Action::RevokeSecurityGroupEgress.is_revoke());
        assert!(!Action::ModifySecurityGroupRule.is_revoke());
        assert!(Action::ModifySecurityGroupEgressRule.is_modify_rule());
    }
}
