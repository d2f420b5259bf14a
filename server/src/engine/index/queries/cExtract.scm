; Extraction query for C: definitions, call sites, function-pointer bindings and the types needed to resolve
; indirect calls. Capture names are `<kind>.<role>`; extract.ts dispatches on the kind of a match's first capture.

; ---- functions -------------------------------------------------------------------------------------------------
(function_definition type: (_)? @fn.type declarator: (_) @fn.decl body: (compound_statement) @fn.body) @fn.def
; A function's name is the identifier right before the first parameter list inside its declarator, at any depth of
; pointers and parentheses (`int __attrconst toupper (int c)` has an unknown attribute before the name).
(function_declarator parameters: (parameter_list) @fd.params)

; ---- prototypes (file-scope declarations of functions) ----------------------------------------------------------
(declaration declarator: (function_declarator declarator: (identifier) @proto.name))
(declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @proto.name)))
(declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @proto.name))))

; ---- macros -----------------------------------------------------------------------------------------------------
(preproc_def name: (identifier) @macro.obj)
(preproc_function_def name: (identifier) @macro.fn)

; ---- types ------------------------------------------------------------------------------------------------------
(struct_specifier name: (type_identifier) @struct.name body: (field_declaration_list) @struct.body)
(union_specifier name: (type_identifier) @union.name body: (field_declaration_list) @union.body)
(enum_specifier name: (type_identifier) @enum.name body: (enumerator_list) @enum.body)
(enumerator name: (identifier) @enumerator.name)
(type_definition type: [(struct_specifier !name body: (field_declaration_list) @anon.body)
                        (union_specifier !name body: (field_declaration_list) @anon.body)]
                 declarator: (type_identifier) @anon.name)
(type_definition type: [(struct_specifier name: (type_identifier) @alias.tag) (union_specifier name: (type_identifier) @alias.tag)]
                 declarator: (type_identifier) @alias.name)
(type_definition declarator: (type_identifier) @typedef.name)
(type_definition declarator: (pointer_declarator declarator: (type_identifier) @typedef.name))
(type_definition declarator: (array_declarator declarator: (type_identifier) @typedef.name))
(type_definition declarator: (function_declarator declarator: (type_identifier) @typedef.name))
(type_definition declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @typedef.name))))
(type_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @typedef.name)))))

; ---- struct fields whose type is a struct (so `a->b.c->f()` can be typed) -----------------------------------------
(field_declaration type: [(struct_specifier name: (type_identifier) @field.type) (union_specifier name: (type_identifier) @field.type) (type_identifier) @field.type]
                  declarator: [(field_identifier) @field.name
                               (pointer_declarator declarator: (field_identifier) @field.name)
                               (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @field.name))
                               (array_declarator declarator: (field_identifier) @field.name)
                               (pointer_declarator declarator: (array_declarator declarator: (field_identifier) @field.name))])

; ---- variables: file-scope ones are symbols, every one types receivers --------------------------------------------
(declaration type: (_) @var.type
             declarator: [(identifier) @var.name
                          (pointer_declarator declarator: (identifier) @var.name)
                          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @var.name))
                          (array_declarator declarator: (identifier) @var.name)
                          (array_declarator declarator: (array_declarator declarator: (identifier) @var.name))
                          (pointer_declarator declarator: (array_declarator declarator: (identifier) @var.name))
                          (init_declarator declarator: [(identifier) @var.name
                                                        (pointer_declarator declarator: (identifier) @var.name)
                                                        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @var.name))
                                                        (array_declarator declarator: (identifier) @var.name)
                                                        (array_declarator declarator: (array_declarator declarator: (identifier) @var.name))
                                                        (pointer_declarator declarator: (array_declarator declarator: (identifier) @var.name))]
                                           value: (_)? @var.init)])
(parameter_declaration type: (_) @param.type
                       declarator: [(identifier) @param.name
                                    (pointer_declarator declarator: (identifier) @param.name)
                                    (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @param.name))])

; ---- calls ------------------------------------------------------------------------------------------------------
(call_expression function: (identifier) @call.callee)
(call_expression function: (field_expression argument: (_) @icall.recv field: (field_identifier) @icall.field))
(call_expression function: (parenthesized_expression (pointer_expression argument: (field_expression argument: (_) @icall.recv field: (field_identifier) @icall.field))))

; ---- function-pointer bindings ----------------------------------------------------------------------------------
(initializer_pair designator: (field_designator (field_identifier) @bind.field) value: [(identifier) @bind.target
                                                                                       (pointer_expression argument: (identifier) @bind.target)
                                                                                       (cast_expression value: (identifier) @bind.target)])
(initializer_pair designator: (field_designator (field_identifier) @nest.field) value: (initializer_list) @nest.list)
(assignment_expression left: (field_expression argument: (_) @asg.recv field: (field_identifier) @asg.field)
                       right: [(identifier) @asg.target (pointer_expression argument: (identifier) @asg.target)])

; ---- regions tree-sitter could not parse: scanned by a careful fallback for function definitions -------------------
(ERROR) @error.node
